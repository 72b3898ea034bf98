// libtdcm from C#: train on a P1 source set, cluster its drifted target set,
// print NMI / ARI / ACC.
//
//   mcs -r:<prefix>/<libdir>/cli/tdcm/Tdcm.dll Example.cs      (or any .NET SDK)
//   mono Example.exe ["k=5 algo=kmeans"]
//
// Tdcm.dll goes next to the program (or on MONO_PATH); its native part,
// libtdcm_csharp.so, is found by the dynamic linker (LD_LIBRARY_PATH for a
// prefix outside its search path).
using System;
using Tdcm;

public static class Example
{
    public static int Main(string[] args)
    {
        string parameters = args.Length > 0 ? args[0] : "k=5 algo=kmeans";
        Console.WriteLine("libtdcm " + Library.Version + " from C#, params \"" + parameters + "\"");
        // Protocol P1: 5 clusters in 2 dimensions, 500 rows each, spread 4, drift 0.5.
        DriftPair p1 = Library.SynthDrift(5, 2, 500, 0, 4.0, 0.5);
        try
        {
            using (Model model = Model.Create(parameters))
            {
                model.Fit(p1.SourceX, p1.D);
                int[] source = model.Assign(p1.SourceX, p1.D);
                int[] target = model.Assign(p1.TargetX, p1.D);
                Console.WriteLine("source: " + Metrics.Compute(p1.SourceY, source));
                Console.WriteLine("target: " + Metrics.Compute(p1.TargetY, target));
            }
            return 0;
        }
        catch (TdcmException e)
        {
            Console.Error.WriteLine("failed: " + e.Status + ": " + e.Message);
            return 1;
        }
    }
}
