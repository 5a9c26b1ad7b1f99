// Package entra gets Microsoft Entra ID tokens for the Logs Ingestion API through azidentity.
package entra

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Options selects a credential and says where it gets its tokens.
type Options struct {
	// Type is client_secret, client_certificate, managed_identity, workload_identity or default.
	Type                string
	TenantID            string
	ClientID            string
	ClientSecret        string
	CertificateFile     string
	CertificatePassword string
	ResourceID          string
	TokenFile           string
	// Cloud is public, usgovernment or china; empty means public.
	Cloud string
	// AuthorityHost, when set, replaces the cloud's Entra ID authority.
	AuthorityHost string
	// HTTPClient sends the token requests, so that the exporter's tls and proxy settings apply.
	HTTPClient *http.Client
}

// Scope returns the Logs Ingestion token scope of a cloud.
func Scope(cloudName string) string {
	switch cloudName {
	case "usgovernment":
		return "https://monitor.azure.us//.default"
	case "china":
		return "https://monitor.azure.cn//.default"
	}
	return "https://monitor.azure.com//.default"
}

func cloudConfig(o Options) (cloud.Configuration, bool) {
	cfg := cloud.AzurePublic
	switch o.Cloud {
	case "usgovernment":
		cfg = cloud.AzureGovernment
	case "china":
		cfg = cloud.AzureChina
	}
	if o.AuthorityHost == "" {
		return cfg, false
	}
	host := o.AuthorityHost
	if !strings.HasSuffix(host, "/") {
		host += "/"
	}
	return cloud.Configuration{ActiveDirectoryAuthorityHost: host, Services: cfg.Services}, true
}

// NewCredential builds the azidentity credential that Options describe.
func NewCredential(o Options) (azcore.TokenCredential, error) {
	cloudCfg, custom := cloudConfig(o)
	client := azcore.ClientOptions{
		Cloud: cloudCfg,
		// The exporter retries a failed export as a whole, with backoff.
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	if o.HTTPClient != nil {
		client.Transport = o.HTTPClient
	}
	// Instance discovery asks the authority about itself, which only a real Entra ID answers.
	disableDiscovery := custom

	switch o.Type {
	case "client_secret":
		return azidentity.NewClientSecretCredential(o.TenantID, o.ClientID, o.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{
				ClientOptions: client, DisableInstanceDiscovery: disableDiscovery,
			})
	case "client_certificate":
		data, err := os.ReadFile(o.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("credential.certificate_file: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(o.CertificatePassword))
		if err != nil {
			return nil, fmt.Errorf("credential.certificate_file %q: %w", o.CertificateFile, err)
		}
		return azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{
				ClientOptions: client, DisableInstanceDiscovery: disableDiscovery,
			})
	case "managed_identity":
		opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: client}
		switch {
		case o.ClientID != "":
			opts.ID = azidentity.ClientID(o.ClientID)
		case o.ResourceID != "":
			opts.ID = azidentity.ResourceID(o.ResourceID)
		}
		return azidentity.NewManagedIdentityCredential(opts)
	case "workload_identity":
		// Empty fields fall back to AZURE_TENANT_ID, AZURE_CLIENT_ID and
		// AZURE_FEDERATED_TOKEN_FILE, which the workload identity webhook sets.
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: client, TenantID: o.TenantID, ClientID: o.ClientID,
			TokenFilePath: o.TokenFile, DisableInstanceDiscovery: disableDiscovery,
		})
	case "default":
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: client, TenantID: o.TenantID, DisableInstanceDiscovery: disableDiscovery,
		})
	}
	return nil, fmt.Errorf("credential.type: unknown %q", o.Type)
}

// IsPermanent reports whether a token error will not go away by trying again, such as a wrong
// client secret or an unknown tenant.
func IsPermanent(err error) bool {
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) && authErr.RawResponse != nil {
		switch authErr.RawResponse.StatusCode {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return true
		}
	}
	return false
}
