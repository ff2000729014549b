"""Identity document numbers. A mainland resident ID (GB 11643) is checked by
python-stdnum: length, birth date and checksum."""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric


def resident_id_problem(value: str) -> str | None:
    """Why an 18-digit resident ID number is wrong, in a sentence, or None."""
    try:
        ric.validate(value)
    except stdnum_errors.InvalidLength:
        return _("A resident ID number has 18 characters.")
    except stdnum_errors.InvalidFormat:
        return _("A resident ID number is 17 digits followed by a digit or X.")
    except stdnum_errors.InvalidComponent:
        return _("The birth date in this ID number does not exist.")
    except stdnum_errors.InvalidChecksum:
        return _("The ID number's check digit is wrong: please check it was copied correctly.")
    except stdnum_errors.ValidationError:
        return _("Not a valid resident ID number.")
    return None
