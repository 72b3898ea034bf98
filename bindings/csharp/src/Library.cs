using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Tdcm
{
    /// <summary>One parameter key of <see cref="Model.Create"/>.</summary>
    public sealed class ParameterInfo
    {
        internal ParameterInfo(string name, string type, string defaultValue, string range,
                               string help)
        {
            Name = name;
            Type = type;
            DefaultValue = defaultValue;
            Range = range;
            Help = help;
        }

        /// <summary>The key, e.g. "k".</summary>
        public string Name { get; private set; }

        /// <summary>"int", "float", "bool", "enum" or "string".</summary>
        public string Type { get; private set; }

        /// <summary>The default, as text.</summary>
        public string DefaultValue { get; private set; }

        /// <summary>Allowed values, e.g. "[2, 100000]" or "tdcm|kmeans".</summary>
        public string Range { get; private set; }

        /// <summary>One-line description.</summary>
        public string Help { get; private set; }

        /// <summary>"name=default (type, range): help".</summary>
        public override string ToString()
        {
            return Name + "=" + DefaultValue + " (" + Type + ", " + Range + "): " + Help;
        }
    }

    /// <summary>A source and a drifted target data set of protocol P1, row-major float32
    /// with labels.</summary>
    public sealed class DriftPair
    {
        internal DriftPair(int d, float[] sourceX, int[] sourceY, float[] targetX, int[] targetY)
        {
            D = d;
            SourceX = sourceX;
            SourceY = sourceY;
            TargetX = targetX;
            TargetY = targetY;
        }

        /// <summary>Columns of every row.</summary>
        public int D { get; private set; }

        /// <summary>Rows of each set.</summary>
        public int Rows
        {
            get { return SourceY.Length; }
        }

        /// <summary>Source rows, row-major (Rows x D).</summary>
        public float[] SourceX { get; private set; }

        /// <summary>Source labels (Rows).</summary>
        public int[] SourceY { get; private set; }

        /// <summary>Target rows, row-major (Rows x D).</summary>
        public float[] TargetX { get; private set; }

        /// <summary>Target labels (Rows).</summary>
        public int[] TargetY { get; private set; }
    }

    /// <summary>Library-wide calls: version, parameter descriptions, the P1 data
    /// generator.</summary>
    public static class Library
    {
        /// <summary>The native library's version, e.g. "0.1.0".</summary>
        public static string Version
        {
            get { return TdcmNative.tdcm_version(); }
        }

        /// <summary>Every parameter key <see cref="Model.Create"/> accepts.</summary>
        public static IList<ParameterInfo> Parameters()
        {
            ulong count;
            TdcmNative.tdcm_param_count(out count);
            var list = new List<ParameterInfo>((int)count);
            for (ulong i = 0; i < count; ++i)
            {
                var fields = new string[5];
                for (int f = 0; f < 5; ++f)
                {
                    TdcmNative.tdcm_swig_param_field(i, f, out fields[f]);
                }
                list.Add(new ParameterInfo(fields[0], fields[1], fields[2], fields[3], fields[4]));
            }
            return new ReadOnlyCollection<ParameterInfo>(list);
        }

        /// <summary>One data-set pair of protocol P1 ("synth-drift"): k Gaussian clusters of
        /// <paramref name="nPerCluster"/> rows in <paramref name="d"/> dimensions, and a
        /// target whose centers moved. Deterministic for a seed on every platform.</summary>
        public static DriftPair SynthDrift(int k, int d, int nPerCluster, ulong seed,
                                           double spread, double drift)
        {
            if (k < 1 || d < 1 || nPerCluster < 1)
            {
                throw new TdcmException(Status.InvalidArgument,
                                        "synth_drift needs k, d, n_per_cluster >= 1");
            }
            long rows = (long)k * nPerCluster;
            var sourceX = new float[checked(rows * d)];
            var targetX = new float[checked(rows * d)];
            var sourceY = new int[rows];
            var targetY = new int[rows];
            TdcmNative.tdcm_synth_drift(k, d, nPerCluster, seed, spread, drift, sourceX, sourceY,
                                        targetX, targetY);
            return new DriftPair(d, sourceX, sourceY, targetX, targetY);
        }
    }
}
