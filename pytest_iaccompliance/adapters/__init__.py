"""Foreign policies (Checkov checks, OPA/Rego, Pulumi CrossGuard) as policies of ours, loaded only when asked."""
