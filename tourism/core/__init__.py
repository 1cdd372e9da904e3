"""Shared plumbing: errors, security headers, text folding, root routes."""
