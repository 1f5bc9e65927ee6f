package org.altovirt.qmp;

/**
 * A command failed in a way the client must hear about: becomes
 * {@code {"error":{"class":CLASS,"desc":DESC}}}. Handlers throw it before any side effect.
 */
public final class QmpException extends Exception {
    private final ErrorClass errorClass;

    public QmpException(ErrorClass errorClass, String desc) {
        super(desc, null, false, false);
        this.errorClass = errorClass;
    }

    /** A {@link ErrorClass#GenericError}. */
    public static QmpException generic(String desc) {
        return new QmpException(ErrorClass.GenericError, desc);
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    public String desc() {
        return getMessage();
    }
}
