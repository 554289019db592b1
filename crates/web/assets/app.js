// jingzhi page scripts
