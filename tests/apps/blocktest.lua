local blocked = {}
return {
  command = function(name, args)
    if name == "block" then
      blocked[args.target] = args.seconds or 0
      return "blocked " .. args.target .. (args.seconds and (" for " .. args.seconds .. " s") or "")
    elseif name == "unblock" then
      if not blocked[args.target] then return false, args.target .. " is not blocked" end
      blocked[args.target] = nil
      return true, "unblocked " .. args.target
    end
  end,
}
