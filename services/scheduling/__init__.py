"""The post scheduler: due posts claimed and published once per platform through a port."""
