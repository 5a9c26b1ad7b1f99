// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package sophosreceiver implements the sophos receiver, which pulls security events and
// alerts from the Sophos Central SIEM API and emits one log record per item.
package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"
