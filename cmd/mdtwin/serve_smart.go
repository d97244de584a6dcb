package main

import (
	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/dashboard"
)

// smartFlags adds the flags of the dashboard as a SMART on FHIR app to
// serve, and returns what they configure (nil without --smart-client-id).
func smartFlags(cmd *cobra.Command) func() *dashboard.SMART {
	var s dashboard.SMART
	f := cmd.Flags()
	f.StringVar(&s.ClientID, "smart-client-id", "", "run as a SMART on FHIR app registered under this client id (launch URL /smart/launch)")
	f.StringVar(&s.RedirectURI, "smart-redirect", "", "the app's registered redirect URI: this dashboard's /smart/callback as browsers reach it")
	f.StringArrayVar(&s.Issuers, "smart-iss", nil, "an EHR's FHIR base URL the app accepts launches from (repeatable)")
	f.StringArrayVar(&s.EHROrigins, "ehr-origin", nil, "an origin (scheme://host[:port]) allowed to embed the dashboard in a frame (repeatable); no other may")
	return func() *dashboard.SMART {
		if s.ClientID == "" && s.RedirectURI == "" && len(s.Issuers) == 0 && len(s.EHROrigins) == 0 {
			return nil
		}
		return &s
	}
}
