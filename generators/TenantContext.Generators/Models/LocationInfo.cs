using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Tenancy.Generators.Models;

/// <summary>
/// Where a diagnostic goes, as plain values: a <see cref="Location"/> holds its syntax tree alive and is not
/// value-equal across runs, so models carry this instead and rebuild the location when reporting.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode node) => From(node.GetLocation());
}
