using System.Text;
using LibGit2Sharp;

namespace WikiFarm;

/// <summary>A page as of one commit.</summary>
public sealed record PageRevision(string Page, string Text, string Revision, string Author, string Email, DateTimeOffset When, string Message);

/// <summary>
/// One wiki's pages in a real (bare) git repository: every save is a commit by its author on <c>main</c>, so
/// <c>git --git-dir data/wikis/&lt;wiki&gt;/pages log</c> shows the history. LibGit2Sharp repositories are not
/// thread-safe, so every operation holds the store's lock.
/// </summary>
public sealed class PageStore : IDisposable
{
    private readonly Repository _repository;
    private readonly object _gate = new();

    public PageStore(string directory)
    {
        if (!Repository.IsValid(directory))
        {
            Repository.Init(directory, isBare: true);
            File.WriteAllText(System.IO.Path.Combine(directory, "HEAD"), "ref: refs/heads/main\n"); // new repositories start on master
        }

        _repository = new Repository(directory);
    }

    /// <summary>A page name: letters, digits, <c>-</c> and <c>_</c>, at most 64 characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public PageRevision? Read(string page, string? revision = null)
    {
        lock (_gate)
        {
            var commit = revision is null ? _repository.Head.Tip : _repository.Lookup<Commit>(revision);
            return commit?[FileOf(page)]?.Target is Blob blob ? ToRevision(page, commit, blob) : null;
        }
    }

    public IReadOnlyList<string> List()
    {
        lock (_gate)
        {
            return _repository.Head.Tip?.Tree.Select(e => e.Name).Where(n => n.EndsWith(".md", StringComparison.Ordinal))
                .Select(n => n[..^3]).Order(StringComparer.Ordinal).ToList() ?? [];
        }
    }

    /// <summary>Commits <paramref name="text"/> as the new content of <paramref name="page"/>; returns the commit id.</summary>
    public string Save(string page, string text, string author, string email, string message)
    {
        lock (_gate)
        {
            var blob = _repository.ObjectDatabase.CreateBlob(new MemoryStream(Encoding.UTF8.GetBytes(text)));
            var parent = _repository.Head.Tip;
            var tree = parent is null ? new TreeDefinition() : TreeDefinition.From(parent.Tree);
            tree.Add(FileOf(page), blob, Mode.NonExecutableFile);
            var signature = new Signature(author, email, DateTimeOffset.UtcNow);
            var commit = _repository.ObjectDatabase.CreateCommit(signature, signature, message,
                _repository.ObjectDatabase.CreateTree(tree), parent is null ? [] : [parent], prettifyMessage: true);
            _repository.Refs.Add("refs/heads/main", commit.Id, allowOverwrite: true);
            return commit.Sha;
        }
    }

    /// <summary>The commits that changed <paramref name="page"/>, newest first.</summary>
    public IReadOnlyList<PageRevision> History(string page)
    {
        lock (_gate)
        {
            var file = FileOf(page);
            var revisions = new List<PageRevision>();
            foreach (var commit in _repository.Commits.QueryBy(new CommitFilter { SortBy = CommitSortStrategies.Topological | CommitSortStrategies.Time }))
            {
                if (commit[file]?.Target is not Blob blob)
                {
                    continue;
                }

                var before = commit.Parents.FirstOrDefault()?[file]?.Target;
                if (before is null || before.Id != blob.Id)
                {
                    revisions.Add(ToRevision(page, commit, blob));
                }
            }

            return revisions;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _repository.Dispose();
        }
    }

    private static string FileOf(string page) =>
        IsValidName(page) ? page + ".md" : throw new ArgumentException($"\"{page}\" is not a page name: use letters, digits, - and _.", nameof(page));

    private static PageRevision ToRevision(string page, Commit commit, Blob blob) =>
        new(page, blob.GetContentText(), commit.Sha, commit.Author.Name, commit.Author.Email, commit.Author.When, commit.MessageShort);
}
