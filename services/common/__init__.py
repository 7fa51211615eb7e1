"""What every domain package shares and none owns: the clock, the caller, security events."""
