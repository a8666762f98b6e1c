"""Messaging: sandboxed message templates with customer variables (channels come later)."""
