"""Object storage for the media vault: the ObjectStorage port (keys → bytes, streamed both ways)
and its two adapters, a local directory (LocalStorage) and any S3-compatible service (S3Storage).
"""
