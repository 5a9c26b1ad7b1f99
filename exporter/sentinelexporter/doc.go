// Package sentinelexporter provides the sentinel exporter, which writes log records as rows of
// Microsoft Sentinel tables through the Azure Monitor Logs Ingestion API.
package sentinelexporter

//go:generate go tool mdatagen metadata.yaml
