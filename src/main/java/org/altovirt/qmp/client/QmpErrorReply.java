package org.altovirt.qmp.client;

/** The server answered a command with {@code {"error":{"class":...,"desc":...}}}. */
public final class QmpErrorReply extends Exception {
    private final String errorClass;
    private final String desc;

    public QmpErrorReply(String errorClass, String desc) {
        super(errorClass + ": " + desc);
        this.errorClass = errorClass;
        this.desc = desc;
    }

    public String errorClass() {
        return errorClass;
    }

    public String desc() {
        return desc;
    }
}
