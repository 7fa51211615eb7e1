"""What operators do from a shell (`python -m server.admin`)."""
