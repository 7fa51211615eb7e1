"""The user account and creator profile use cases."""
