"""Evidence files the tests send, and what inspecting their content finds in them."""

import io
from datetime import UTC, datetime, timedelta, timezone

import pillow_heif
import pytest
from PIL import ExifTags, Image

from visits.evidence.content import (
    HEIC,
    HEIF,
    JPEG,
    NO_EXIF,
    PDF,
    PNG,
    ExifFacts,
    exif_of,
    media_type_of,
)

# Ủy ban nhân dân huyện Kỳ Sơn, Nghệ An: 19°24'54.7"N 104°13'08.0"E.
KY_SON = ((19.0, 24.0, 54.72), (104.0, 13.0, 8.04))
KY_SON_DEGREES = (19.41520, 104.21890)


def create_exif(
    *,
    taken: str | None = "2021:02:22 16:15:00",
    offset: str | None = None,
    position: tuple[tuple[float, float, float], tuple[float, float, float]] | None = KY_SON,
) -> Image.Exif:
    """Return EXIF as a camera writes it: DateTimeOriginal, OffsetTimeOriginal, GPS IFD."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "CongVu test camera"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    if taken is not None:
        details[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    if position is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        (latitude, longitude) = position
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = latitude
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = longitude
    return exif


def _image(size: tuple[int, int], seed: int) -> Image.Image:
    image = Image.new("RGB", size, (seed % 256, 90, 160))
    image.putpixel((0, 0), (seed % 251, seed % 241, seed % 239))
    return image


def create_jpeg(
    exif: Image.Exif | None = None, *, size: tuple[int, int] = (64, 48), seed: int = 0
) -> bytes:
    """Return a real JPEG, with `exif` if given; `seed` makes files of the same size differ."""
    out = io.BytesIO()
    _image(size, seed).save(out, format="JPEG", exif=exif.tobytes() if exif else b"")
    return out.getvalue()


def create_png(seed: int = 0) -> bytes:
    """Return a real PNG without EXIF."""
    out = io.BytesIO()
    _image((32, 32), seed).save(out, format="PNG")
    return out.getvalue()


def create_heic(exif: Image.Exif | None = None, seed: int = 0) -> bytes:
    """Return a real HEIC photo (HEVC, encoded by pillow-heif's libheif), with `exif`."""
    out = io.BytesIO()
    heif = pillow_heif.from_pillow(_image((64, 48), seed))
    heif.save(out, exif=exif.tobytes() if exif else None)
    return out.getvalue()


def create_pdf(text: str = "Biên bản kiểm tra") -> bytes:
    """Return a small, valid one-page PDF."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text.encode('ascii', 'replace').decode()}) Tj ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def ftyp_box(major: bytes, *compatible: bytes) -> bytes:
    """Return an ISO BMFF `ftyp` box alone: what type detection reads of a HEIF file."""
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body


VN = timezone(timedelta(hours=7))


def test_types_come_from_the_first_bytes() -> None:
    assert media_type_of(create_jpeg()) is JPEG
    assert media_type_of(create_png()) is PNG
    assert media_type_of(create_pdf()) is PDF
    assert media_type_of(create_heic()) is HEIC
    assert media_type_of(ftyp_box(b"mif1", b"heic")) is HEIF


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"Just text, named photo.jpg",
        b"GIF89a\x01\x00\x01\x00",
        ftyp_box(b"avif", b"mif1", b"miaf"),
        ftyp_box(b"isom", b"mp41"),
        b"\x00\x00\x00\x08ftypheic",
        b"\x00\x00\x10\x00ftypheic\x00\x00\x00\x00",
        b" %PDF-1.4",
    ],
    ids=[
        "empty",
        "half-jpeg",
        "text",
        "gif",
        "avif",
        "mp4",
        "short-box",
        "box-past-end",
        "pdf-late",
    ],
)
def test_anything_else_is_no_evidence_type(data: bytes) -> None:
    assert media_type_of(data) is None


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"])
def test_every_heif_brand_is_a_photo(brand: bytes) -> None:
    found = media_type_of(ftyp_box(brand, b"mif1"))
    assert found is not None
    assert found.heif


def test_exif_of_a_jpeg_gives_time_and_position() -> None:
    facts = exif_of(create_jpeg(create_exif(offset="+07:00")), JPEG)
    assert facts.captured_at == datetime(2021, 2, 22, 16, 15, tzinfo=VN)
    assert facts.offset_assumed is False
    assert (facts.latitude, facts.longitude) == pytest.approx(KY_SON_DEGREES, abs=1e-6)


def test_a_time_without_offset_is_read_as_vietnams() -> None:
    facts = exif_of(create_jpeg(create_exif(offset=None, position=None)), JPEG)
    assert facts == ExifFacts(
        captured_at=datetime(2021, 2, 22, 16, 15, tzinfo=VN), offset_assumed=True
    )


def test_the_offset_of_another_zone_is_kept() -> None:
    facts = exif_of(create_jpeg(create_exif(offset="-05:30")), JPEG)
    assert facts.captured_at == datetime(2021, 2, 22, 21, 45, tzinfo=UTC)
    assert facts.offset_assumed is False


def test_southern_and_western_positions_are_negative() -> None:
    exif = create_exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLongitudeRef] = "S", "W"
    facts = exif_of(create_jpeg(exif), JPEG)
    assert (facts.latitude, facts.longitude) == pytest.approx((-19.4152, -104.2189), abs=1e-6)


@pytest.mark.parametrize(
    "exif",
    [
        create_exif(taken="0000:00:00 00:00:00", position=((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))),
        create_exif(taken="    :  :     :  :  ", position=((95.0, 0.0, 0.0), (10.0, 0.0, 0.0))),
        create_exif(taken=None, position=None),
    ],
    ids=["zeros", "blank-and-off-the-globe", "none"],
)
def test_empty_or_impossible_exif_gives_nothing(exif: Image.Exif) -> None:
    assert exif_of(create_jpeg(exif), JPEG) == NO_EXIF


def test_no_exif_and_damaged_exif_give_nothing() -> None:
    assert exif_of(create_jpeg(), JPEG) == NO_EXIF
    assert exif_of(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*garbage", JPEG) == NO_EXIF
    assert exif_of(ftyp_box(b"heic", b"mif1"), HEIC) == NO_EXIF
    assert exif_of(create_pdf(), PDF) == NO_EXIF


def test_exif_of_a_heic_gives_time_and_position() -> None:
    facts = exif_of(create_heic(create_exif(offset="+07:00")), HEIC)
    assert facts.captured_at == datetime(2021, 2, 22, 16, 15, tzinfo=VN)
    assert (facts.latitude, facts.longitude) == pytest.approx(KY_SON_DEGREES, abs=1e-6)
