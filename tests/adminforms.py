"""Read a form out of an admin page, as a browser would submit it.

The conflict and permission tests post what the page really contained
(hidden versions, inline management forms, the state choices offered), not
data written by hand, so they fail if the page stops carrying what the
server relies on.
"""

import re
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []  # [(name, value)]
        self.options = {}  # select name -> [(value, label, selected)]
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (self.form_id is None or attrs.get("id") == self.form_id):
            self.inside = True
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            self._option = [attrs.get("value", ""), "", "selected" in attrs]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            value, label, selected = self._option
            self.options[self._select].append((value, label.strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self.options[self._select]
            chosen = [value for value, _label, selected in options if selected]
            if not chosen and options:
                chosen = [options[0][0]]  # what a browser submits for a single select
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


class AdminForm:
    """The fields of one form on a page, editable like a browser's form."""

    def __init__(self, html, form_id=None):
        parser = _FormParser(form_id)
        parser.feed(html)
        # The inline "empty form" template is for the page's JavaScript, not posted data.
        self.fields = [(n, v) for n, v in parser.fields if "__prefix__" not in n]
        self.options = {n: o for n, o in parser.options.items() if "__prefix__" not in n}
        if not self.fields:
            raise AssertionError(f"No form {form_id or ''} with fields on the page.")

    def __getitem__(self, name):
        values = [v for n, v in self.fields if n == name]
        if not values:
            raise KeyError(name)
        return values[0] if len(values) == 1 else values

    def __contains__(self, name):
        return any(n == name for n, _ in self.fields)

    def __setitem__(self, name, value):
        values = value if isinstance(value, list) else [value]
        kept = [(n, v) for n, v in self.fields if n != name]
        self.fields = kept + [(name, str(v)) for v in values]

    def choices(self, name):
        """The values a select offers."""
        return [value for value, _label, _selected in self.options[name]]

    def data(self, **extra):
        """The form as a dict for ``Client.post`` (lists for repeated names)."""
        posted = {}
        for name, value in self.fields:
            posted.setdefault(name, []).append(value)
        posted = {n: v[0] if len(v) == 1 else v for n, v in posted.items()}
        posted.update(extra)
        return posted


def change_form(client, url):
    """GET an admin change (or add) page and return its main form."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    found = re.search(r'<form [^>]*id="(\w+_form)"', html)
    assert found, "no admin change form on the page"
    return AdminForm(html, found.group(1))
