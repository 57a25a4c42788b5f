"""Qt-free readers and writers for the files beamlines produce.

TODO-FOR-IO-HELPER (replace this docstring when done): implement exactly these names,
other helpers (stack alignment, GUI, tomography, CLI) are coding against them.

Agreed io API (txmalign_gui/io, being written by the io helper; names are fixed so others can code against them):
- `read_stack(source: str, dataset: str | None = None) -> StackData`  (source may be `file.h5:/path/to/dataset`; a file with exactly one 3-D dataset needs no dataset; TIFF multipage, folder of TIFFs, .npy, HDF5, NSLS-II FXI layout, Data Exchange, Xradia .xrm folder/.txrm)
- `StackData` dataclass: images (N,H,W array-like; may be a lazy h5py-backed object with .shape/.dtype/__getitem__), energies (np.ndarray eV or None), angles (np.ndarray deg or None), flats and darks (arrays (H,W) or (K,H,W) or None), pixel_size_nm (float or None), path (str), dataset (str or None), kind ("xanes" | "tomo" | "stack"), metadata (dict); methods `frame(i) -> np.ndarray float32` and `load() -> np.ndarray float32 (N,H,W)`.
- `read_image(spec: str) -> np.ndarray` 2-D (TIFF, .npy, `file.h5:/dataset[index]`); `read_mask(path) -> bool ndarray`.
- `list_datasets(h5_path) -> list of (path, shape, dtype)` for candidate 3-D datasets.
- writers: `write_aligned_hdf5(path, aligned, transforms, *, costs=None, confidences=None, statuses=None, energies=None, angles=None, provenance=None)` (atomic: temp name then rename; refuses to overwrite the input file), `write_tiff_stack(path, stack)`, `write_transforms_csv(path, transforms)` (header `index,dy,dx,angle_deg`), `read_transforms(path) -> (N,3) float array` from CSV or an aligned HDF5, `build_provenance(method, params, strategy, anchor, input_path, **extra) -> dict` (adds program version, input sha256, UTC time).
"""
