package org.altovirt.boot;

/**
 * One entry of the BIOS e820 memory map that the loader hands the kernel in boot_params: the
 * guest-physical range {@code [address, address + size)} and what it is.
 */
public record E820Entry(long address, long size, Type type) {
    /** The e820 types the microvm uses, with their numbers in the table. */
    public enum Type {
        /** Usable RAM. */
        RAM(1),
        /** Not for the OS: the EBDA/BIOS area below 1 MiB, where the MP table lives. */
        RESERVED(2);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /** The number stored in the table's type field. */
        public int code() {
            return code;
        }
    }

    public E820Entry {
        if (size <= 0) {
            throw new IllegalArgumentException("e820 entry at 0x" + Long.toHexString(address)
                    + " must have a positive size, not " + size);
        }
    }

    /** The first address after the range. */
    public long end() {
        return address + size;
    }
}
