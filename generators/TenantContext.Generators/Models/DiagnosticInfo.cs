using System.Linq;
using Microsoft.CodeAnalysis;

namespace Tenancy.Generators.Models;

/// <summary>A diagnostic to report, as plain values (descriptor id, message arguments, location).</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs)
        => new(descriptor.Id, location, messageArgs.ToEquatableArray());

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(
            DiagnosticDescriptors.ById(Id),
            Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
            MessageArgs.Select(a => (object)a).ToArray());
}
