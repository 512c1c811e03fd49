"""
``format_html`` and ``format_html_join`` for the markup that list pages repeat.

They keep Django's contract, every argument escaped unless it is already safe
markup (``__html__``) and the result safe, and its output byte for byte. Django's
``conditional_escape`` and ``escape`` go through ``keep_lazy``, which looks for lazy
strings among the arguments on every call: with a hundred links and dates on a
page, that was a quarter of a teaser's time. Here a lazy string is simply made a
string, which is what escaping it does in the end.
"""

from html import escape

from django.utils.safestring import SafeString


def _escaped(value):
    if hasattr(value, "__html__"):
        return value.__html__()
    value = str(value)
    # Most values (addresses, dates, names) have nothing to escape: five look-ups take half the time of
    # escape()'s five replacements.
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return escape(value)
    return value


def format_html(format_string, *args):
    """``django.utils.html.format_html`` with positional arguments."""
    return SafeString(format_string.format(*[_escaped(arg) for arg in args]))


def format_html_join(separator, format_string, args_generator):
    """``django.utils.html.format_html_join``: ``format_html(format_string, *args)`` for each, joined."""
    return SafeString(separator.join(format_html(format_string, *args) for args in args_generator))
