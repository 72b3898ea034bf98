using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Tdcm
{
    /// <summary>Strings to and from the NUL-terminated UTF-8 of the C API.</summary>
    internal static class Utf8
    {
        internal static byte[] Encode(string text)
        {
            if (text == null)
            {
                return null;
            }
            if (text.IndexOf('\0') >= 0)
            {
                throw new TdcmException(Status.InvalidArgument, "string holds a NUL character: " + text);
            }
            int length = Encoding.UTF8.GetByteCount(text);
            byte[] bytes = new byte[length + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        internal static string Decode(IntPtr native)
        {
            if (native == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(native, length) != 0)
            {
                ++length;
            }
            byte[] bytes = new byte[length];
            Marshal.Copy(native, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }
    }
}
