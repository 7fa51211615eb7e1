"""Personalised content ideas (POST /api/content-ideas/generate): the model writes the ideas,
documented models price them (estimates.py) and size them (effort.py), and they are saved as
the user's draft content."""
