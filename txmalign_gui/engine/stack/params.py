"""The stack-alignment settings described as data, for the CLI, GUI panels and saved sessions."""

from __future__ import annotations

from ..check_params import CHECK_METHOD
from ..params import Param, ParamSet

STRATEGIES = ("anchor", "sequential", "chunked", "consistent")
# The transform kinds (engine.transform.KINDS, repeated so this module loads without numpy).
TRANSFORM_KINDS = ("rigid", "similarity", "affine")

STACK_PARAMS = ParamSet((
    Param("strategy", "Strategy", str, "anchor",
          "anchor: every image to one image; sequential: neighbour to neighbour, accumulated; "
          "chunked: images to local targets, chained toward the anchor through the chunks' averages; "
          "consistent: many pairs solved together, disagreeing pairs flagged.", choices=STRATEGIES),
    Param("anchor", "Anchor image", int, -1,
          "Index of the image the others are aligned with; -1 = the middle image.", minimum=-1),
    Param("chunk_size", "Chunk size", int, 7,
          "Images per chunk (spacing of local targets) for chunked and consistent; 1 chains every image "
          "like sequential, the number of images or more makes it the anchor strategy.  Larger chunks "
          "average more images per link (7 did as well as 5 or better on every test series) but pair "
          "images farther apart, whose contrast and shifts differ more.", minimum=1),
    Param("average_chunks", "Link chunks by their averages", bool, True,
          "For chunked: after each image is registered to its local target, each chunk's images are moved "
          "onto the target and averaged, and the averages are registered to each other; their lower noise "
          "keeps errors from adding up along the chain (0.10 -> 0.05 px on the 1024 px example).  Turn it "
          "off when single pairs are imprecise (heavy noise on smooth images): their errors would move the "
          "averages.", advanced=True),
    Param("window", "Neighbour window", int, 3,
          "For consistent: each image is also registered to this many neighbours on each side.",
          minimum=1, maximum=50),
    Param("transform", "Transform", str, "rigid",
          "rigid: shift (plus rotation when the method's rotation is on); similarity: also a magnification "
          "change, e.g. a zone plate refocused at every energy of a XANES scan (TXM-Wizard's magnification "
          "correction); affine: also stretch and shear.  Similarity and affine need a method that offers "
          "them (tvdm, ssd, mi) and the anchor, sequential or chunked strategy.", choices=TRANSFORM_KINDS),
    Param("jobs", "Parallel jobs", int, 0,
          "Worker processes; 0 = one per idle CPU core available to this process.  Workers start only once the "
          "first pairs show that the rest would take long enough for them to pay; results are identical to "
          "a serial run.", minimum=0, minimum_text="one per core"),
    CHECK_METHOD,
))

# How raw frames become the images that are registered (batch.prepare_stack applies them; the app's
# "Prepare the images" form and the CLI options come from here).
PREPARE_PARAMS = ParamSet((
    Param("flat_field", "Flat-field correction", bool, True,
          "Subtract the dark images and divide by the flat (bright-field) images the file holds, so the "
          "beam profile does not pull the registration; ignored when the file has no flats.  With two or "
          "more flats their counting noise is removed first (dust and defects stay): every frame shares it, "
          "and it would pull the registration towards zero shift."),
    Param("minus_log", "Absorbance (-ln)", bool, False,
          "Convert transmission to absorbance (line integrals) before aligning; the saved stack is then "
          "absorbance too. Switch off for data that already are absorbance."),
    Param("binning", "Registration binning", int, 1,
          "Register on images binned by this factor (faster, less noisy); the transforms are scaled back "
          "and applied to the full-size images.", minimum=1, maximum=16),
    Param("scale_gray", "Normalise gray levels", bool, False,
          "Give every image zero mean and unit spread, so gray levels drifting across the series do not "
          "bias the registration (the saved stack is normalised too).", advanced=True),
))
