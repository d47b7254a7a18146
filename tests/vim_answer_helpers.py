"""PropertyCollector answers written by hand after the vim25 WSDL, for the parser tests: shapes
the simulator never writes, wrapped in the SOAP envelope a vCenter sends."""

from __future__ import annotations

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{}</soapenv:Body>'
    "</soapenv:Envelope>"
)


def answer(method: str, returnval: str, prefix: str = "") -> bytes:
    """The envelope around `<methodResponse><returnval>` (declaring `vim25:` when `prefix`)."""
    declare = ' xmlns:vim25="urn:vim25"' if prefix else ""
    body = (
        f'<{method}Response xmlns="urn:vim25"{declare}><returnval>{returnval}</returnval>'
        f"</{method}Response>"
    )
    return ENVELOPE.format(body).encode()
