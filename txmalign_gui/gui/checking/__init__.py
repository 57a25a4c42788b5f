"""Checking tools in the main window's 'Results and checks' dock: ROI and mask, spectra, line profiles,
comparison views, transform corrections and manual nudging, all on the raw and the aligned stack."""

from __future__ import annotations

from .canvas import DrawingCanvas
from .compare_tool import CompareTool
from .context import CheckContext
from .corrections_tool import CorrectionsTool
from .manual_tool import ManualTool
from .maps_tool import MapsTool
from .profile_tool import ProfileTool
from .roi_mask_tool import RoiMaskTool
from .spectrum_tool import SpectrumTool
from .transform_edits import TransformEdits


class CheckingTools:
    """Creates the tools for `window` and adds each as a tab through `window.add_tool`."""

    def __init__(self, window):
        self.context = CheckContext(window)
        self.canvas = DrawingCanvas(window.view.image_item)
        window.view.viewbox.addItem(self.canvas)
        self.edits = TransformEdits(self.context)
        self.roi_mask = RoiMaskTool(self.context, window.roi_model, self.canvas, window.show_notice)
        window.add_tool(self.roi_mask, "ROI and mask")
        self.spectra = SpectrumTool(self.context, self.canvas, window.roi_model, window.show_notice)
        window.add_tool(self.spectra, "Spectra")
        self.maps = MapsTool(self.context, self.spectra.xanes, window.show_notice)
        window.add_tool(self.maps, "Maps")
        self.profiles = ProfileTool(self.context, self.canvas)
        window.add_tool(self.profiles, "Line profiles")
        self.compare = CompareTool(self.context)
        window.add_tool(self.compare, "Compare")
        self.corrections = CorrectionsTool(self.context, self.edits, window.roi_model, window.show_notice)
        window.add_tool(self.corrections, "Corrections")
        self.manual = ManualTool(self.context, self.edits)
        window.add_tool(self.manual, "Manual correction")


def install_checking_tools(window) -> CheckingTools:
    return CheckingTools(window)
