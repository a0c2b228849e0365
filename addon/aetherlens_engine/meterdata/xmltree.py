"""An XML document as a small tree whose elements know their line, parsed by defusedxml.

ElementTree forgets where an element was; an import error must name the element and its line.
defusedxml's SAX parser refuses entity declarations and external references (the billion laughs,
external entities) before any of them is expanded.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.sax import SAXException, SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import AttributesNSImpl, Locator

import defusedxml.sax
from defusedxml import DefusedXmlException

from .intervals import MeterDataError


@dataclass(slots=True)
class Element:
    """One element: namespace, local name, attributes by local name, text, children, line."""

    namespace: str
    name: str
    line: int
    attributes: dict[str, str] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)
    text: str = ""

    @property
    def where(self) -> str:
        """The element as an error names it: `IntervalReading (line 42)`."""
        return f"{self.name} (line {self.line})"

    def child(self, name: str) -> Element | None:
        """Return the first child called NAME (any namespace), or None."""
        return next(self.all(name), None)

    def all(self, name: str) -> Iterator[Element]:
        """Yield the children called NAME (any namespace), in document order."""
        return (child for child in self.children if child.name == name)


class _Builder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: Element | None = None
        self._open: list[Element] = []
        self._text: list[list[str]] = []
        self._locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 - the SAX API's name
        self._locator = locator

    def startElementNS(  # noqa: N802 - the SAX API's name
        self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl
    ) -> None:
        line = self._locator.getLineNumber() if self._locator is not None else 0
        element = Element(
            name[0] or "",
            name[1],
            line or 0,
            {key[1]: value for key, value in attrs.items()},
        )
        if self._open:
            self._open[-1].children.append(element)
        else:
            self.root = element
        self._open.append(element)
        self._text.append([])

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:  # noqa: N802
        element = self._open.pop()
        element.text = "".join(self._text.pop()).strip()

    def characters(self, content: str) -> None:
        if self._text:
            self._text[-1].append(content)


def parse_xml(data: bytes) -> Element:
    """Return the document DATA's root element; raise MeterDataError with the line at fault."""
    builder = _Builder()
    parser = defusedxml.sax.make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(builder)
    try:
        parser.parse(io.BytesIO(data))
    except SAXParseException as err:
        raise MeterDataError(
            f"line {err.getLineNumber()}, column {err.getColumnNumber()}: not well-formed XML "
            f"({err.getMessage()})"
        ) from err
    except DefusedXmlException as err:
        raise MeterDataError(f"the XML declares entities or references, refused: {err}") from err
    except SAXException as err:
        raise MeterDataError(f"not readable XML: {err.getMessage()}") from err
    if builder.root is None:
        raise MeterDataError("the file holds no XML element")
    return builder.root
