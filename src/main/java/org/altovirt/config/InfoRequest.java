package org.altovirt.config;

/**
 * Thrown by {@link CommandLine#parse} when the command line asks for the help text
 * ({@code -h}, {@code -help}, {@code --help}) or the version ({@code -version},
 * {@code --version}) instead of a VM. Options are read in order, so an error in an option
 * before it is reported first, and anything after it is ignored, as in QEMU.
 *
 * <p>The launcher catches it before {@link ConfigException}, prints {@link #text()} to standard
 * output and exits with status 0:
 *
 * <pre>{@code
 * try {
 *     config = CommandLine.parse(args);
 * } catch (InfoRequest r) {
 *     System.out.println(r.text());
 *     System.exit(0);
 * } catch (ConfigException e) {
 *     System.err.println(e.getMessage());
 *     System.exit(1);
 * }
 * }</pre>
 */
public final class InfoRequest extends ConfigException {
    private static final long serialVersionUID = 1L;

    /** What was asked for. */
    public enum Kind {
        /** {@code -h}, {@code -help}, {@code --help}: {@link CommandLine#usage()}. */
        HELP,
        /** {@code -version}, {@code --version}: {@link CommandLine#VERSION_TEXT}. */
        VERSION
    }

    private final Kind kind;

    InfoRequest(Kind kind) {
        super(kind == Kind.HELP ? CommandLine.usage() : CommandLine.VERSION_TEXT);
        this.kind = kind;
    }

    /** Whether help or the version was asked for. */
    public Kind kind() {
        return kind;
    }

    /** The text to print to standard output: the usage or {@code "altovirt 0.1.0"}. */
    public String text() {
        return getMessage();
    }
}
