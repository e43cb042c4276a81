"""Actor dictionary and recognizer; importing registers the "actors" stage."""

from .dictionary import ActorDictionary, load_actor_dictionary
from .recognize import ActorsStage, recognize

__all__ = ["ActorDictionary", "ActorsStage", "load_actor_dictionary", "recognize"]
