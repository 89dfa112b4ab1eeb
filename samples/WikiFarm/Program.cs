// The WikiFarm reference app is being built (issue 7).
Console.WriteLine("WikiFarm: not built yet.");
