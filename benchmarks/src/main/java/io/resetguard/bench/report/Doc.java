package io.resetguard.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Doc - the report as a small document tree, rendered twice: to Markdown
 * ({@link MarkdownRenderer}) and to one self-contained HTML page ({@link HtmlRenderer}).
 */
final class Doc {
    final String title;
    final List<Section> sections = new ArrayList<>();

    Doc(final String title) {
        this.title = title;
    }

    /** @return a new section appended to the document. */
    Section section(final String heading) {
        final Section s = new Section(heading);
        sections.add(s);
        return s;
    }

    /** A part of the report under one heading. */
    sealed interface Block permits Para, Bullets, Table, Chart {
    }

    /** A paragraph of plain text. */
    record Para(String text) implements Block {
    }

    /** A bulleted list of plain text items. */
    record Bullets(List<String> items) implements Block {
    }

    /**
     * A table.
     *
     * @param title   its title
     * @param caption the JVM, CPU and settings line (every table has one)
     * @param headers column headers
     * @param rows    cells, plain text
     */
    record Table(String title, String caption, List<String> headers, List<List<String>> rows) implements Block {
    }

    /**
     * A chart.
     *
     * @param file  the file name the Markdown version links to (e.g. {@code chart-reset.svg})
     * @param title its title (alt text)
     * @param svg   the SVG document
     */
    record Chart(String file, String title, String svg) implements Block {
    }

    /** One section. */
    static final class Section {
        final String heading;
        final List<Block> blocks = new ArrayList<>();

        Section(final String heading) {
            this.heading = heading;
        }

        Section para(final String text) {
            blocks.add(new Para(text));
            return this;
        }

        Section bullets(final List<String> items) {
            blocks.add(new Bullets(items));
            return this;
        }

        Section table(final Table t) {
            blocks.add(t);
            return this;
        }

        Section chart(final Chart c) {
            blocks.add(c);
            return this;
        }
    }
}
