"""The security audit (issue 14): Pod Security Standards, misconfiguration, RBAC, network exposure and image
vulnerabilities over one cluster reading — not to be confused with the investigation audit TRAIL
(`app/audit.py`). Entry points: `engine.run_audit`, `console.audit_cluster`, `api.router`; see
docs/security-audit.md.
"""
