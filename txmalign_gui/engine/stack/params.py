"""The stack-alignment settings described as data, for the CLI, GUI panels and saved sessions."""

from __future__ import annotations

from ..params import Param, ParamSet
from ..check_params import CHECK_METHOD

STRATEGIES = ("anchor", "sequential", "chunked", "consistent")

STACK_PARAMS = ParamSet((
    Param("strategy", "Strategy", str, "anchor",
          "anchor: every image to one image; sequential: neighbour to neighbour, accumulated; "
          "chunked: images to local targets chained toward the anchor; consistent: many pairs solved "
          "together, disagreeing pairs flagged.", choices=STRATEGIES),
    Param("anchor", "Anchor image", int, -1,
          "Index of the image the others are aligned with; -1 = the middle image.", minimum=-1),
    Param("chunk_size", "Chunk size", int, 5,
          "Images per chunk (spacing of local targets) for chunked and consistent; 1 chains every image "
          "like sequential, the number of images or more makes it the anchor strategy.", minimum=1),
    Param("window", "Neighbour window", int, 3,
          "For consistent: each image is also registered to this many neighbours on each side.",
          minimum=1, maximum=50),
    Param("jobs", "Parallel jobs", int, 1,
          "Worker processes; 0 = one per CPU core.  Results are identical to a serial run.", minimum=0),
    CHECK_METHOD,
))
