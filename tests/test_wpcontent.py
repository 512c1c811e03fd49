"""WordPress content as WordPress shows it: what ``wpcontent.to_html`` makes of the ways posts are written. The
cases pin its output as it was before it learnt to skip the work most posts do not need (no shortcode, no URL
alone on a line): the same HTML, byte for byte."""

import pytest

from articles.importers import wpcontent


@pytest.mark.parametrize(
    ("content", "html"),
    [
        (
            '<P CLASS="lead">Upper-case tags</P>\n<Blockquote>quoted</Blockquote>after',
            '<P CLASS="lead">Upper-case tags</P>\n<Blockquote>quoted</Blockquote>\n<p>after</p>',
        ),
        (
            'https://video.example/1\nText with a <a href="https://x.test/">link</a>.',
            '<p><a href="https://video.example/1">https://video.example/1</a><br>\n'
            'Text with a <a href="https://x.test/">link</a>.</p>',
        ),
        (
            "Intro\n   https://video.example/2  \n\nhttp:// not a url",
            '<p>Intro<br>\n<a href="https://video.example/2">https://video.example/2</a><br>\nhttp:// not a url</p>',
        ),
        ("<p>One</p><p>Two</p>\n\n\n<h2>Three</h2>", "<p>One</p>\n<p>Two</p>\n<h2>Three</h2>"),
        (
            "line one\nline two<br>\nline three\n\n<pre>keep\n\n  this</pre>\nafter",
            "<p>line one<br>\nline two<br>\nline three</p>\n<pre>keep\n\n  this</pre>\n<p>after</p>",
        ),
        (
            "Write [[caption]] and [embed]https://v.test/3[/embed]",
            '<p>Write [caption] and <a href="https://v.test/3">https://v.test/3</a></p>',
        ),
        ("<p>  </p>\n<p><br></p>\nText", "<p>Text</p>"),
    ],
)
def test_content_becomes_the_html_wordpress_shows(content, html):
    assert wpcontent.to_html(content) == html
