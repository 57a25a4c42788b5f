"""The settings of the correlative registration as data (one description for the app's form, the command
line's options and the help page); loads without numpy so that the command line starts fast."""

from ..params import Param, ParamSet

MODELS = ("similarity", "affine")
STARTS = ("auto", "landmarks", "identity", "learned")
CORRELATE_PARAMS = ParamSet((
    Param("model", "Transform", str, "similarity",
          "similarity: shift, rotation and one scale (what a second microscope usually needs); affine adds a "
          "stretch and a shear (tilted SEM views, scan distortions).", choices=MODELS),
    Param("start", "Start from", str, "auto",
          "landmarks: the map fitted to the clicked points; identity: a search over rotation and scale from "
          "nothing; learned: the trained network's guess alone; auto: the landmarks when there are 3 or more, "
          "else the search, with the network's guess (when installed) as one more candidate.", choices=STARTS),
    Param("angle_range", "Rotation range (°)", float, 30.0,
          "Search from nothing: rotations of the EM image tried, +- this many degrees.", minimum=0.0, maximum=180.0),
    Param("scale_range", "Scale range (%)", float, 25.0,
          "Search from nothing: scales tried, this many percent above and below the expected one (from the "
          "pixel sizes when given, else assuming both images show about the same field).",
          minimum=0.0, maximum=300.0),
    Param("bins", "Histogram bins", int, 32,
          "Gray levels per image in the joint histogram of the mutual information; fewer suit noisy images.",
          minimum=8, maximum=128),
    Param("max_size", "Working size (px)", int, 512,
          "The X-ray image is halved until its longer side is at most this for the finest refinement; larger is "
          "slower and finer.", minimum=64, maximum=4096, advanced=True),
))
