"""Unpacks the NVIDIA CUDA library wheels into DEPS_DIR/nvidia/<name>/..., where TensorFlow's C
library (in DEPS_DIR/lib) looks for them through its RUNPATH ($ORIGIN/../nvidia/<name>/lib).
Headers and Python files are left out: nothing compiles against these or imports them.
Usage: extract-nvidia-libraries.py DEPS_DIR WHEEL..."""
import sys
import zipfile
from pathlib import Path


def main(deps: str, wheels: list[str]) -> None:
    out = Path(deps)
    files = size = 0
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            members = [
                info for info in archive.infolist()
                if info.filename.startswith("nvidia/") and not info.is_dir()
                and "/include/" not in info.filename and not info.filename.endswith((".py", ".pyc", ".h"))
            ]
            if not members:
                sys.exit(f"{wheel} has no files under nvidia/: not an NVIDIA CUDA library wheel")
            for info in members:
                target = out / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as sink:
                    while chunk := source.read(1 << 22):
                        sink.write(chunk)
                # ptxas and other tools in the nvcc wheel must stay executable.
                if (info.external_attr >> 16) & 0o111:
                    target.chmod(0o755)
                files += 1
                size += info.file_size
    print(f"extracted {files} files ({size / 2**30:.2f} GiB) from {len(wheels)} wheels into {out / 'nvidia'}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
