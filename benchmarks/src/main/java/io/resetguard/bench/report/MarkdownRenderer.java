package io.resetguard.bench.report;

import java.util.List;

/**
 * MarkdownRenderer - the report as GitHub-flavoured Markdown. Charts are linked as SVG files written
 * next to {@code report.md} (the HTML page inlines the same SVG).
 */
final class MarkdownRenderer {
    private MarkdownRenderer() {
    }

    static String render(final Doc doc) {
        final StringBuilder sb = new StringBuilder();
        sb.append("# ").append(doc.title).append("\n\n");
        for (final Doc.Section s : doc.sections) {
            sb.append("## ").append(s.heading).append("\n\n");
            for (final Doc.Block b : s.blocks) {
                if (b instanceof Doc.Para p) {
                    sb.append(p.text()).append("\n\n");
                } else if (b instanceof Doc.Bullets l) {
                    for (final String item : l.items()) {
                        sb.append("- ").append(item).append('\n');
                    }
                    sb.append('\n');
                } else if (b instanceof Doc.Table t) {
                    table(sb, t);
                } else if (b instanceof Doc.Chart c) {
                    sb.append("![").append(c.title()).append("](").append(c.file()).append(")\n\n");
                }
            }
        }
        return sb.toString();
    }

    private static void table(final StringBuilder sb, final Doc.Table t) {
        sb.append("**").append(t.title()).append("**\n\n");
        row(sb, t.headers());
        sb.append('|');
        for (int i = 0; i < t.headers().size(); i++) {
            sb.append(" --- |");
        }
        sb.append('\n');
        for (final List<String> r : t.rows()) {
            row(sb, r);
        }
        sb.append('\n').append('_').append(cell(t.caption())).append("_\n\n");
    }

    private static void row(final StringBuilder sb, final List<String> cells) {
        sb.append('|');
        for (final String c : cells) {
            sb.append(' ').append(cell(c)).append(" |");
        }
        sb.append('\n');
    }

    private static String cell(final String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", "<br>").replace("_", "\\_");
    }
}
