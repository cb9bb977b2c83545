"""Messages about an uploaded file as a whole, shared by every upload of the site."""

from django.utils.translation import gettext_noop

ERROR_TOO_BIG = gettext_noop("The file is %(size)s; the largest accepted is %(limit)s.")
ERROR_NOT_UTF8 = gettext_noop("The file is not UTF-8 text; save it as UTF-8 and upload it again.")
ERROR_EMPTY_FILE = gettext_noop("The file is empty.")
