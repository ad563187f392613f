#!/usr/bin/env python3
"""Regenerates the small, real asset files of the demo catalog, the
examples and the asset cases of the validator corpus.

Every image is drawn (no external downloads), every PDF is written by hand
with a correct cross-reference table, and each file stays well under
30 KB. Output is deterministic for a given Pillow version, so running the
script again only changes files when the drawing code changes.

Usage: python3 scripts/make_assets.py   (needs `pip install pillow`)
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

try:
    from PIL import Image, ImageDraw
except ImportError:  # pragma: no cover - a message beats a traceback
    sys.exit("make_assets.py needs Pillow: pip install pillow")

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 30 * 1024


# ---------------------------------------------------------------- drawing


def jacket(colour: tuple[int, int, int], size: int = 320) -> Image.Image:
    """A flat product shot of a hooded jacket on a light background."""
    img = Image.new("RGB", (size, size), (238, 240, 242))
    d = ImageDraw.Draw(img)
    s = size / 320
    dark = tuple(max(0, c - 50) for c in colour)

    def p(*xy: float) -> list[tuple[float, float]]:
        return [(xy[i] * s, xy[i + 1] * s) for i in range(0, len(xy), 2)]

    # sleeves, body, hood, zip, pockets
    d.polygon(p(95, 95, 40, 230, 70, 242, 115, 140), fill=dark)
    d.polygon(p(225, 95, 280, 230, 250, 242, 205, 140), fill=dark)
    d.polygon(p(95, 95, 225, 95, 235, 270, 85, 270), fill=colour)
    d.ellipse(p(120, 45, 200, 120), fill=dark)
    d.ellipse(p(135, 62, 185, 112), fill=(60, 60, 60))
    d.line(p(160, 100, 160, 270), fill=(200, 200, 200), width=max(1, int(3 * s)))
    d.rectangle(p(105, 200, 145, 212), fill=dark)
    d.rectangle(p(175, 200, 215, 212), fill=dark)
    return img


def boot(colour: tuple[int, int, int], size: int = 240) -> Image.Image:
    """A side view of a hiking boot, as a palette PNG (small, lossless)."""
    img = Image.new("RGB", (size, size), (255, 255, 255))
    d = ImageDraw.Draw(img)
    s = size / 240
    d.polygon(
        [(x * s, y * s) for x, y in [(70, 40), (130, 40), (135, 130), (200, 150), (205, 185), (55, 185), (60, 120)]],
        fill=colour,
    )
    d.rectangle([50 * s, 185 * s, 210 * s, 200 * s], fill=(40, 40, 40))
    for i in range(5):
        y = (55 + i * 15) * s
        d.line([(85 * s, y), (120 * s, y)], fill=(230, 200, 120), width=max(1, int(3 * s)))
    return img.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)


def logo(size: int = 128) -> Image.Image:
    """A simple mountain logo, as a palette PNG."""
    img = Image.new("RGB", (size, size), (20, 60, 90))
    d = ImageDraw.Draw(img)
    s = size / 128
    d.polygon([(10 * s, 110 * s), (50 * s, 40 * s), (90 * s, 110 * s)], fill=(240, 240, 240))
    d.polygon([(50 * s, 110 * s), (80 * s, 60 * s), (118 * s, 110 * s)], fill=(180, 200, 210))
    return img.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)


def jpeg_bytes(img: Image.Image, quality: int = 72) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A minimal, well-formed one-page PDF 1.4 with a Helvetica text block."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 18 Tf", "72 760 Td", f"({esc(title)}) Tj", "/F1 11 Tf", "0 -28 Td"]
    for line in lines:
        ops += [f"({esc(line)}) Tj", "0 -16 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + esc(title).encode("latin-1") + b") /Producer (pxmctl make_assets.py) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


# ---------------------------------------------------------------- content

RED = (178, 34, 34)
BLUE = (30, 80, 160)
GREEN = (46, 110, 60)
YELLOW = (220, 170, 30)
BROWN = (120, 80, 45)

CARE = [
    "Machine wash cold on a gentle cycle with a technical wash.",
    "Do not use fabric softener or bleach.",
    "Tumble dry low to reactivate the water-repellent finish.",
    "Do not iron, dry-clean or store wet.",
]
SIZES = [
    "Size   Chest (cm)   Sleeve (cm)",
    "S      88-96        81",
    "M      96-104       84",
    "L      104-112      87",
    "XL     112-120      90",
]


def files() -> dict[str, bytes]:
    """Every generated file, by path relative to the repository root."""
    out: dict[str, bytes] = {}

    # The bundled demo catalog.
    out["catalog/assets/storm-shell-hero.jpg"] = jpeg_bytes(jacket(BLUE))
    out["catalog/assets/storm-shell-red.jpg"] = jpeg_bytes(jacket(RED))
    out["catalog/assets/trail-boot.png"] = png_bytes(boot(BROWN))
    out["catalog/assets/storm-shell-care.pdf"] = pdf_bytes("Storm Shell - care guide", CARE)

    # examples/apparel
    out["examples/apparel/assets/rain-jacket-blue.jpg"] = jpeg_bytes(jacket(BLUE))
    out["examples/apparel/assets/rain-jacket-yellow.jpg"] = jpeg_bytes(jacket(YELLOW))
    out["examples/apparel/assets/logo.png"] = png_bytes(logo())
    out["examples/apparel/assets/size-chart.pdf"] = pdf_bytes("Rain Jacket - size chart", SIZES)

    # examples/multi-region
    out["examples/multi-region/assets/parka-eu.jpg"] = jpeg_bytes(jacket(GREEN))
    out["examples/multi-region/assets/parka-us.jpg"] = jpeg_bytes(jacket(RED))
    out["examples/multi-region/assets/declaration-of-conformity.pdf"] = pdf_bytes(
        "EU declaration of conformity",
        ["Product: Alpine Parka", "Manufacturer: Ridgeline Outfitters", "Standard: EN 343:2019"],
    )

    # Validator corpus: assets that must be refused, and valid ones next to
    # broken entries.
    out["tests/corpus/outside.jpg"] = jpeg_bytes(jacket(BLUE, 64))  # not a catalog: a plain file
    small_jpeg = jpeg_bytes(jacket(BLUE, 64))
    out["tests/corpus/21-dangling-file-region/assets/hero.jpg"] = small_jpeg
    out["tests/corpus/22-dangling-file-collection/assets/hero.jpg"] = small_jpeg
    out["tests/corpus/36-duplicate-file-name/assets/front/hero.jpg"] = small_jpeg
    out["tests/corpus/36-duplicate-file-name/assets/back/hero.jpg"] = jpeg_bytes(jacket(RED, 64))
    out["tests/corpus/53-asset-empty/assets/empty.jpg"] = b""
    out["tests/corpus/56-asset-symlink-outside/assets/real.jpg"] = small_jpeg
    out["tests/corpus/57-jpg-holding-png/assets/photo.jpg"] = png_bytes(logo(32))
    out["tests/corpus/58-mime-type-disagrees/assets/photo.jpg"] = jpeg_bytes(jacket(RED, 64))
    out["tests/corpus/59-pdf-holding-jpeg/assets/manual.pdf"] = jpeg_bytes(jacket(GREEN, 64))
    out["tests/corpus/67-file-name-extension-disagrees/assets/guide.pdf"] = pdf_bytes("Guide", ["A real PDF."])
    return out


SYMLINKS = {
    # A relative link that leaves its catalog (but stays inside the corpus,
    # so the target is a real file in git).
    "tests/corpus/56-asset-symlink-outside/assets/out.jpg": "../../outside.jpg",
}


def main() -> None:
    for rel, data in files().items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if len(data) > MAX_BYTES:
            sys.exit(f"{rel} is {len(data)} bytes, over the {MAX_BYTES} byte budget")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {rel} ({len(data)} bytes)")
    for rel, target in SYMLINKS.items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.is_symlink() or path.exists():
            path.unlink()
        path.symlink_to(target)
        print(f"linked {rel} -> {target}")


if __name__ == "__main__":
    main()
