"""How one finding reads in a terminal or an assertion message: one home, so every output agrees."""

from __future__ import annotations

from pytest_iaccompliance.model import Finding

__all__ = ["finding_line"]


def finding_line(finding: Finding) -> str:
    """``address (location): what is wrong``, naming the resource once.

    Rule messages begin with the resource they judge (they may also name a separate rule resource), so a
    message that already starts with the finding's address is not prefixed with it again.
    """
    address, message = finding.address, finding.message
    where = f" ({finding.location})" if finding.location and finding.location != address else ""
    if message.startswith(f"{address}: "):
        return f"{address}{where}: {message[len(address) + 2:]}"
    if message.startswith(f"{address} "):
        return f"{address}{where}{message[len(address):]}"
    return f"{address}{where}: {message}"
