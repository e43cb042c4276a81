"""Where: an offline gazetteer and the geoparser stage ("places")."""

from . import geoparse
from .gazetteer import Gazetteer, Place, load_gazetteer
from .geoparse import PlacesStage, find_places

__all__ = ["Gazetteer", "Place", "PlacesStage", "find_places", "geoparse", "load_gazetteer"]
