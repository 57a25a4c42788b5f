"""A dialog that shows an HDF5 file's tree (each dataset's shape and type) and picks the stack and energies."""

from __future__ import annotations

from typing import Optional

import h5py
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QBrush, QColor, QFont
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from ..engine.errors import InputError

_NO_ENERGIES = "(none, or what the file says)"


def dataset_tree(path: str) -> list:
    """(path, shape, dtype name) of every dataset in an HDF5 file, in file order; reads no pixel data."""
    found = []

    def visit(name, item):
        if isinstance(item, h5py.Dataset):
            found.append(("/" + name, tuple(item.shape), str(item.dtype)))

    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(visit)
    except OSError as error:
        raise InputError(f"cannot open {path} as HDF5: {error}") from error
    return found


class Hdf5Dialog(QDialog):
    """Lets the user choose the image-stack dataset (3-D) and, optionally, a 1-D dataset of energies."""

    def __init__(self, path: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Choose the image stack")
        self.resize(620, 460)
        self._datasets = dataset_tree(path)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Name", "Shape", "Type"])
        self.tree.setColumnWidth(0, 300)
        self._fill_tree()
        self.tree.currentItemChanged.connect(self._selection_changed)
        self.energy_combo = QComboBox()
        self.energy_combo.setToolTip("A 1-D dataset with one energy per image (eV or keV)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel(f"<b>{path}</b><br>Pick the 3-D dataset (images x rows x columns) to align; "
                      "datasets that cannot be a stack are greyed out.", wordWrap=True)
        form = QFormLayout()
        form.addRow("Energies:", self.energy_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.tree, 1)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        stacks = [name for name, shape, _ in self._datasets if len(shape) == 3]
        if stacks:
            self.select_dataset(max(stacks, key=lambda n: self._shape(n)[0]))
        self._selection_changed()

    def _shape(self, name: str) -> tuple:
        return next(shape for n, shape, _ in self._datasets if n == name)

    def _fill_tree(self) -> None:
        self._items: dict = {}
        groups: dict = {"": self.tree.invisibleRootItem()}
        grey = QBrush(QColor("#999"))
        bold = QFont()
        bold.setBold(True)
        for name, shape, dtype in self._datasets:
            parts = name.strip("/").split("/")
            parent_key = ""
            for part in parts[:-1]:
                key = f"{parent_key}/{part}"
                if key not in groups:
                    group = QTreeWidgetItem(groups[parent_key], [part + "/", "", "group"])
                    group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    group.setExpanded(True)
                    groups[key] = group
                parent_key = key
            item = QTreeWidgetItem(groups[parent_key], [parts[-1], " x ".join(map(str, shape)) or "scalar",
                                                       dtype])
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            if len(shape) == 3:
                item.setFont(0, bold)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                for column in range(3):
                    item.setForeground(column, grey)
            self._items[name] = item
        self.tree.expandAll()

    def select_dataset(self, name: str) -> None:
        self.tree.setCurrentItem(self._items[name])

    def dataset(self) -> Optional[str]:
        item = self.tree.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def energies_dataset(self) -> Optional[str]:
        return self.energy_combo.currentData()

    def _selection_changed(self) -> None:
        name = self.dataset()
        valid = name is not None and len(self._shape(name)) == 3
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(valid)
        self.energy_combo.clear()
        self.energy_combo.addItem(_NO_ENERGIES, None)
        if not valid:
            return
        count = self._shape(name)[0]
        for other, shape, _ in self._datasets:
            if shape == (count,):
                self.energy_combo.addItem(other, other)
        for index in range(1, self.energy_combo.count()):
            if "energ" in self.energy_combo.itemText(index).lower() or "eng" in self.energy_combo.itemText(
                    index).lower():
                self.energy_combo.setCurrentIndex(index)
                break
