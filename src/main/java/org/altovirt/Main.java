package org.altovirt; public final class Main { public static void main(String[] a) {} }
