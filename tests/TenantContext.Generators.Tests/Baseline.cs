using System.Runtime.CompilerServices;

namespace Tenancy.Generators.Tests;

/// <summary>
/// Compares generated text with <c>Baselines/{name}.txt</c> exactly (the generator's version is written as
/// <c>{version}</c>). Run with <c>UPDATE_BASELINES=1</c> to rewrite the files after an intended change.
/// </summary>
internal static class Baseline
{
    public static void Match(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string path = Path.Combine(Path.GetDirectoryName(callerPath)!, "Baselines", name + ".txt");
        string normalized = actual.Replace(TenantAccessorsGenerator.Emitter.Version, "{version}", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, normalized);
            return;
        }

        Assert.True(File.Exists(path), $"No baseline at {path}: run the tests with UPDATE_BASELINES=1 to create it, then review it.");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Equal(expected, normalized);
    }
}
