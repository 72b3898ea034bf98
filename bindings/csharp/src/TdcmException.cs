using System;

namespace Tdcm
{
    /// <summary>A failed libtdcm call: the C API's status and its message
    /// (tdcm_last_error() of the failing thread).</summary>
    public class TdcmException : Exception
    {
        internal TdcmException(Status status, string message) : base(message)
        {
            Status = status;
        }

        /// <summary>The status code; a value outside the named ones is a code newer than
        /// this binding.</summary>
        public Status Status { get; private set; }

        /// <summary>The numeric status code, as the C API returned it.</summary>
        public int Code
        {
            get { return (int)Status; }
        }

        /// <summary>Reads the message of the call that just failed on this thread.</summary>
        internal static TdcmException FromLastError(int status)
        {
            return new TdcmException((Status)status, TdcmNative.tdcm_last_error());
        }

        /// <summary>Type, status and message.</summary>
        public override string ToString()
        {
            return GetType().FullName + ": " + Status + ": " + Message;
        }
    }
}
