/*
 * The DSDT AcpiTablesTest builds for its sample machine (two vCPUs, the UART at 0x3F8 / IRQ 4,
 * three virtio-mmio transports from 0xF0100000 with IRQs 5-7, the GED on GSI 23), written as
 * ASL. "iasl dsdt.asl" compiles it; AcpiTablesTest compares the AML that altovirt generates
 * with iasl's, byte for byte after the table header (dsdt.aml.hex holds iasl's output).
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "ALTVRT", "MICROVM", 1)
{
    Scope (_SB)
    {
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
                IRQNoFlags () {4}
            })
        }
        Device (VR00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xF0100000, 0x00000200)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5}
            })
        }
        Device (VR01)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, One)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xF0100200, 0x00000200)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {6}
            })
        }
        Device (VR02)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 0x02)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xF0100400, 0x00000200)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {7}
            })
        }
        Device (GED)
        {
            Name (_HID, "ACPI0013")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {23}
            })
            Method (_EVT, 1, Serialized)
            {
                Notify (PWRB, 0x80)
            }
        }
        Device (PWRB)
        {
            Name (_HID, EisaId ("PNP0C0C"))
            Name (_UID, Zero)
        }
    }
    Name (_S5, Package (0x04) { 0x05, Zero, Zero, Zero })
}
