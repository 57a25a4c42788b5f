"""Qt-free readers and writers for the files beamlines produce."""
