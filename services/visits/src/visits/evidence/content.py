"""What an evidence file is, from its bytes alone: its type, and what its EXIF says.

The type comes from the file's first bytes, never from its name or the Content-Type it came
with. The capture time and position come from the EXIF a camera wrote, where there is one;
a file whose EXIF cannot be read is still evidence, kept without them.
"""

import io
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pillow_heif
from PIL import ExifTags, Image

from servicekit.times import VN_TZ, within_years

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MediaType:
    """A kind of file CongVu keeps as evidence."""

    name: str
    extension: str
    # Pillow's format name for images that may carry EXIF this way; None for HEIF and PDF.
    pillow_format: str | None = None

    @property
    def heif(self) -> bool:
        """Tell whether the file is a HEIF container (HEIC photos), read with pillow-heif."""
        return self.name.startswith(("image/heic", "image/heif"))


JPEG = MediaType("image/jpeg", "jpg", "JPEG")
PNG = MediaType("image/png", "png", "PNG")
PDF = MediaType("application/pdf", "pdf")
HEIC = MediaType("image/heic", "heic")
HEIC_SEQUENCE = MediaType("image/heic-sequence", "heics")
HEIF = MediaType("image/heif", "heif")
HEIF_SEQUENCE = MediaType("image/heif-sequence", "heifs")
MEDIA_TYPES = {t.name: t for t in (JPEG, PNG, PDF, HEIC, HEIC_SEQUENCE, HEIF, HEIF_SEQUENCE)}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# ISO BMFF major brands of HEIF files (ISO/IEC 23008-12), by the media type each registers.
_HEIF_BRANDS = {
    b"heic": HEIC,
    b"heix": HEIC,
    b"heim": HEIC,
    b"heis": HEIC,
    b"hevc": HEIC_SEQUENCE,
    b"mif1": HEIF,
    b"msf1": HEIF_SEQUENCE,
}


def media_type_of(data: bytes) -> MediaType | None:
    """Return the type of file `data` is by its first bytes; None for any other kind."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    # ISO BMFF: the first box is `ftyp`: its 32-bit size, the type, then the major brand.
    if len(data) >= 16 and data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        if 16 <= size <= len(data):
            return _HEIF_BRANDS.get(data[8:12])
    return None


@dataclass(frozen=True)
class ExifFacts:
    """The capture time and position a file's EXIF gives; None where it gives none."""

    captured_at: datetime | None = None
    # No OffsetTimeOriginal: the camera's clock was read as Vietnam's time (Asia/Ho_Chi_Minh).
    offset_assumed: bool = False
    latitude: float | None = None
    longitude: float | None = None


NO_EXIF = ExifFacts()
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def exif_of(data: bytes, media_type: MediaType) -> ExifFacts:
    """Return what the EXIF of an image says of when and where it was taken."""
    try:
        raw = _raw_exif(data, media_type)
        if not raw:
            return NO_EXIF
        exif = Image.Exif()
        exif.load(raw)
        captured_at, assumed = _captured_at(exif.get_ifd(ExifTags.IFD.Exif))
        latitude, longitude = _position(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:
        # Crafted or damaged metadata may fail in many ways inside Pillow and libheif.
        log.info("unreadable EXIF in a %s file; kept without it", media_type.name, exc_info=True)
        return NO_EXIF
    return ExifFacts(
        captured_at=captured_at, offset_assumed=assumed, latitude=latitude, longitude=longitude
    )


def _raw_exif(data: bytes, media_type: MediaType) -> bytes | None:
    """Return the file's EXIF block, without decoding its pixels."""
    if media_type.heif:
        found = pillow_heif.open_heif(io.BytesIO(data)).info.get("exif")
    elif media_type.pillow_format is not None:
        with Image.open(io.BytesIO(data), formats=[media_type.pillow_format]) as image:
            found = image.info.get("exif")
    else:
        return None
    return found if isinstance(found, bytes) else None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return value.strip("\x00 ") if isinstance(value, str) else None


def _captured_at(ifd: dict[int, Any]) -> tuple[datetime | None, bool]:
    """Return DateTimeOriginal with OffsetTimeOriginal, or Vietnam's offset when it has none."""
    text = _text(ifd.get(ExifTags.Base.DateTimeOriginal))
    if not text:
        return None, False
    try:
        local = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None, False
    zone = _zone(_text(ifd.get(ExifTags.Base.OffsetTimeOriginal)))
    captured_at = local.replace(tzinfo=VN_TZ if zone is None else zone)
    if not within_years(captured_at):
        return None, False
    return captured_at, zone is None


def _zone(text: str | None) -> timezone | None:
    """Return the offset "+07:00" stands for; None for none or a malformed one."""
    found = _OFFSET.fullmatch(text or "")
    if found is None:
        return None
    shift = timedelta(hours=int(found[2]), minutes=int(found[3]))
    if int(found[3]) >= 60 or shift > timedelta(hours=14):
        return None
    return timezone(-shift if found[1] == "-" else shift)


def _degrees(value: Any, reference: Any, negative: str) -> float | None:
    """Return degrees, minutes and seconds as signed decimal degrees."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    if not math.isfinite(degrees):
        return None
    return -degrees if (_text(reference) or "").upper() == negative else degrees


def _position(ifd: dict[int, Any]) -> tuple[float | None, float | None]:
    """Return the GPS latitude and longitude, or None for both if either is missing or wrong."""
    latitude = _degrees(
        ifd.get(ExifTags.GPS.GPSLatitude), ifd.get(ExifTags.GPS.GPSLatitudeRef), "S"
    )
    longitude = _degrees(
        ifd.get(ExifTags.GPS.GPSLongitude), ifd.get(ExifTags.GPS.GPSLongitudeRef), "W"
    )
    if latitude is None or longitude is None:
        return None, None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    # Cameras without a fix write zeros; no inspection takes place at 0°N 0°E.
    if latitude == 0 and longitude == 0:
        return None, None
    return round(latitude, 7), round(longitude, 7)
