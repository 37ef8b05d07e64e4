"""Unpacks from PyPI's tensorflow wheel what tfjs-node's addon links against: TensorFlow's C
library (libtensorflow_cc.so.2 exports the C and eager C API) with its framework library, and the
C headers the addon includes. Usage: extract-libtensorflow.py WHEEL DEPS_DIR"""
import sys
import zipfile
from pathlib import Path

LIBRARIES = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
# The C API headers and the platform, tsl and xla headers they include, nothing else (the wheel's
# full include tree is mostly C++ and Eigen the addon never sees).
HEADER_PREFIXES = (
    "tensorflow/include/tensorflow/c/",
    "tensorflow/include/tensorflow/core/platform/",
    "tensorflow/include/tsl/",
    "tensorflow/include/xla/tsl/",
)


def main(wheel: str, deps: str) -> None:
    out = Path(deps)
    (out / "lib").mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        missing = [name for name in LIBRARIES if name not in names]
        if missing:
            sys.exit(f"{wheel} lacks {', '.join(missing)}: not a TensorFlow wheel this addon can link against")
        for name in LIBRARIES:
            target = out / "lib" / Path(name).name
            with archive.open(name) as source, open(target, "wb") as sink:
                while chunk := source.read(1 << 22):
                    sink.write(chunk)
        headers = [name for name in names if name.startswith(HEADER_PREFIXES) and not name.endswith("/")]
        for name in headers:
            target = out / "include" / name.removeprefix("tensorflow/include/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    print(f"extracted {len(LIBRARIES)} libraries and {len(headers)} headers into {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
